module Test_virtconf =

let conf = "# libvirtd.conf
listen_tls = 0
listen_tcp = 1   # migration over TCP
  tcp_port = '16509'
auth_tcp = \"none\"

unix_sock_group = \"libvirt\"
tls_priority = \"@LIBVIRT,SYSTEM # not a comment\"
vnc_password = \"\"
cgroup_controllers = [ ]
namespaces = [ \"mount\", ]
security_driver = [
    \"apparmor\",
    \"dac\"
]
max_clients=-1
"

test Virtconf.lns get conf =
  { "#comment" = "libvirtd.conf" }
  { "listen_tls" = "0" }
  { "listen_tcp" = "1" { "#comment" = "migration over TCP" } }
  { "tcp_port" = "'16509'" }
  { "auth_tcp" = "\"none\"" }
  { }
  { "unix_sock_group" = "\"libvirt\"" }
  { "tls_priority" = "\"@LIBVIRT,SYSTEM # not a comment\"" }
  { "vnc_password" = "\"\"" }
  { "cgroup_controllers" { "#empty" } }
  { "namespaces" { "1" = "\"mount\"" } }
  { "security_driver" { "1" = "\"apparmor\"" } { "2" = "\"dac\"" } }
  { "max_clients" = "-1" }

(* A value changed in place keeps every comment. *)
test Virtconf.lns put "# c\nlisten_tcp = 0 # off\n" after
  set "listen_tcp" "1" = "# c\nlisten_tcp = 1 # off\n"

test Virtconf.lns put "# c\n" after
  set "listen_addr" "\"192.0.2.11\"" = "# c\nlisten_addr = \"192.0.2.11\"\n"

(* Not virConf: a key without a value, an unterminated string. *)
test Virtconf.lns get "listen_tcp\n" = *
test Virtconf.lns get "auth_tcp = \"none\n" = *

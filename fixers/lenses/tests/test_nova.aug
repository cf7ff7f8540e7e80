module Test_nova =

let conf = "# nova.conf
; an old-style comment
[DEFAULT]
#
# state_path = /var/lib/nova
state_path = /var/lib/nova
instances_path=$state_path/instances
my_ip: 192.0.2.10
transport_url = rabbit://nova:pa#ss;word@rabbit:5672/
empty_value =
   
[vnc]
server_listen = 10.0.0.5   
enabled = True
[libvirt]
cpu_models = Haswell,
   Broadwell
live_migration_scheme = tls
"

test Nova.lns get conf =
  { "#comment" = "nova.conf" }
  { "#comment" = "an old-style comment" }
  { "DEFAULT"
    { }
    { "#comment" = "state_path = /var/lib/nova" }
    { "state_path" = "/var/lib/nova" }
    { "instances_path" = "$state_path/instances" }
    { "my_ip" = "192.0.2.10" }
    { "transport_url" = "rabbit://nova:pa#ss;word@rabbit:5672/" }
    { "empty_value" }
    { } }
  { "vnc"
    { "server_listen" = "10.0.0.5" }
    { "enabled" = "True" } }
  { "libvirt"
    { "cpu_models" = "Haswell,\n   Broadwell" }
    { "live_migration_scheme" = "tls" } }

(* Setting a value keeps everything else byte for byte. *)
test Nova.lns put "[vnc]\n# server_listen = 127.0.0.1\nserver_listen=10.0.0.5 \n" after
  set "/vnc/server_listen" "0.0.0.0"
  = "[vnc]\n# server_listen = 127.0.0.1\nserver_listen=0.0.0.0 \n"

(* A new key and a new section get oslo's usual spelling. *)
test Nova.lns put "[DEFAULT]\nhost = a\n" after
  set "/DEFAULT/my_ip" "192.0.2.1";
  set "/vnc/server_listen" "0.0.0.0"
  = "[DEFAULT]\nhost = a\nmy_ip = 192.0.2.1\n[vnc]\nserver_listen = 0.0.0.0\n"

(* An indented line with no value open is not nova.conf. *)
test Nova.lns get "[DEFAULT]\n\n  host = a\n" = *

module Test_nftables =

let conf = "#!/usr/sbin/nft -f
# Firewall
flush ruleset

table inet filter {
	chain input {
		type filter hook input priority filter; policy drop;
		iif \"lo\" accept
		tcp dport { 22, 16509 } ct state new accept   # ssh, libvirt

		# the end
		counter reject with icmpx type admin-prohibited
	}
	chain output { type filter hook output priority 0; }
}
include \"/etc/nftables.d/*.nft\"
"

test Nftables.lns get conf =
  { "#comment" = "!/usr/sbin/nft -f" }
  { "#comment" = "Firewall" }
  { "rule" = "flush ruleset" }
  { }
  { "block" = "table inet filter"
    { "block" = "chain input"
      { "rule" = "type filter hook input priority filter; policy drop;" }
      { "rule" = "iif \"lo\" accept" }
      { "rule" = "tcp dport { 22, 16509 } ct state new accept"
        { "#comment" = "ssh, libvirt" } }
      { }
      { "#comment" = "the end" }
      { "rule" = "counter reject with icmpx type admin-prohibited" } }
    { "rule" = "chain output { type filter hook output priority 0; }" } }
  { "rule" = "include \"/etc/nftables.d/*.nft\"" }

(* A rule inserted before the reject gets the indentation of a chain's rule. *)
test Nftables.lns put "table inet filter {\n\tchain input {\n\t\tcounter reject\n\t}\n}\n" after
  insb "rule" "/block/block/rule[1]";
  set "/block/block/rule[1]" "tcp dport 16509 accept"
  = "table inet filter {\n\tchain input {\n\t\ttcp dport 16509 accept\n\t\tcounter reject\n\t}\n}\n"

(* A set spread over several lines is refused. *)
test Nftables.lns get "set s {\n\telements = { 1.2.3.4,\n\t5.6.7.8 }\n}\n" = *

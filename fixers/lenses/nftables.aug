(*
Module: Nftables
  An nftables.conf (nft -f syntax) as lines and blocks, for migready's
  firewall.ports fixer: it inserts whole rule lines into a chain and leaves
  every other byte as it was. Augeas has no lens for nftables.

  A line is a comment, a blank line, a statement ("rule", with an optional
  trailing comment), or the header of a block ("block" = "table inet
  filter", "chain input") whose lines follow up to its "}". A statement may
  hold sets on its own line ("tcp dport { 22, 16509 } accept"); a set
  spread over several lines, or a "#" inside a quoted string, is not
  understood: the file is then refused, never rewritten another way.
*)
module Nftables =

let eol = Util.eol
let comment = Util.comment
let empty = Util.empty

(* A piece of a statement: a character that is no brace nor "#", or an
   inline set "{ ... }". *)
let piece = /[^\n#{}]|\{[^\n#{}]*\}/
let edge = /[^ \t\n#{}]|\{[^\n#{}]*\}/
let text = edge . (piece* . edge)?

let trailing = [ label "#comment" . del /[ \t]*#[ \t]*/ " # "
                 . store /([^ \t\n].*[^ \t\n]|[^ \t\n])/ ]

let rule = [ Util.del_opt_ws "\t\t" . label "rule" . store text . trailing? . eol ]

let rec block = [ Util.del_opt_ws "\t" . label "block" . store text
                  . del /[ \t]*\{/ " {" . eol
                  . (block | rule | comment | empty)*
                  . Util.del_opt_ws "\t" . Util.del_str "}" . eol ]

let lns = (block | rule | comment | empty)*

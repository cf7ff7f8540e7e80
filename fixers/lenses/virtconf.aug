(*
Module: Virtconf
  libvirt's configuration syntax (virConf), as libvirtd, virtproxyd and the
  QEMU driver read it: libvirtd.conf, virtproxyd.conf, qemu.conf.

  Unlike libvirt's own lenses, which list every known key, this one accepts
  any key, a comment after a value, single quotes and a trailing comma in a
  list, as libvirt itself does. A lens with a fixed key list rejects files
  that libvirtd reads without complaint, and compiling its key list costs
  several milliseconds at every start.

  Tree: a scalar is a node labelled by its key holding the value as written
  (quotes included); a list is a node with children "1", "2", ... holding
  the elements.
*)
module Virtconf =

let eol = del /[ \t]*\n/ "\n"
let comment = Util.comment
let empty = Util.empty
let indent = del /[ \t]*/ ""
let value_sep = del /[ \t]*=[ \t]*/ " = "

(* A value is kept as written, quotes included, as the Shellvars lens does:
   a string in double or single quotes (anything but its own quote and a
   newline) or a number. Readers unquote; writers quote. *)
let scalar = store /"[^"\n]*"|'[^'\n]*'|-?[0-9]+/

let list_start = del /\[[ \t\n]*/ "[ "
let list_sep = del /,[ \t\n]*/ ", "
(* libvirt accepts a comma after the last element. *)
let list_end = del /(,[ \t\n]*)?\]/ "]"
let element = [ seq "el" . scalar ] . del /[ \t\n]*/ ""
(* An empty list holds one "#empty" node, so that a list never looks like a
   scalar in the tree. *)
let empty_list = [ label "#empty" ]
let list =
    counter "el" . list_start
  . ( element . ( list_sep . element )* | empty_list )
  . list_end

let tail_comment =
  [ label "#comment" . del /[ \t]*#[ \t]*/ " # " . store /([^ \t\n][^\n]*[^ \t\n]|[^ \t\n])/ ]

let entry =
  [ indent . key /[A-Za-z_][A-Za-z0-9_]*/ . value_sep . ( scalar | list ) . tail_comment? . eol ]

let lns = ( empty | comment | entry )*

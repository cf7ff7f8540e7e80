(*
Module: Nova
  nova.conf (and nova.conf.d/*.conf) as oslo.config reads it, built on
  Augeas's IniFile like puppet.aug and php.aug.

  What oslo.config accepts and this lens follows:
  - "[section]" at the start of a line opens a section;
  - "#" and ";" start a comment only at the beginning of a line;
  - "key = value" or "key: value" (the first "=" or ":" separates), the
    value kept as written, "#" and ";" inside it included (passwords);
  - a line starting with a blank continues the value of the previous line
    (the value then holds the newline and the indentation);
  - blank lines anywhere.

  Tree: a section is a node labelled by its name; its keys are children
  holding their values. Comments are "#comment" nodes without the "#".
*)
module Nova =

let eol = IniFile.eol
let comment = IniFile.comment_noindent IniFile.comment_re "#"
(* A blank line, or a comment sign alone. Not indented before a comment sign:
   after a value, an indented line continues it. *)
let empty = [ del /([ \t]*|[;#][ \t]*)\r?\n/ "\n" ]

(* oslo's option names; a dot or a dash appears in some libraries' options. *)
let kw = /[A-Za-z0-9_][A-Za-z0-9_.-]*/
(* One line of a value: no blank at either end (eol and the separator take
   those), anything else as written. *)
let line_re = /[^ \t\r\n]([^\r\n]*[^ \t\r\n])?/
let value_re = line_re . (/[ \t]*\r?\n[ \t]+/ . line_re)*

let sep = del /[ \t]*[=:]/ " ="
let value = del /[ \t]*/ " " . store value_re

let entry = [ key kw . sep . value? . eol ]

let title = IniFile.title IniFile.record_re
(* IniFile.record and IniFile.lns take IniFile.empty, which allows an indented
   blank-and-comment line that would swallow a continuation line here. *)
let record = [ title . (entry | comment | empty)* ]

let lns = (comment | empty)* . record*

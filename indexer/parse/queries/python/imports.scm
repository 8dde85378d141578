; Import contract (shared by every language): @import the statement; @import.module the
; module as written; @import.name an imported name; @import.alias its local binding;
; @import.wildcard a `*` import; @import.default a JS default binding; @import.use a Rust
; use tree; @import.mod a Rust `mod x;` declaration.

(import_statement
  name: (dotted_name) @import.module) @import

(import_statement
  name: (aliased_import
    name: (dotted_name) @import.module
    alias: (identifier) @import.alias)) @import

(import_from_statement
  module_name: (_) @import.module
  name: (dotted_name) @import.name) @import

(import_from_statement
  module_name: (_) @import.module
  name: (aliased_import
    name: (dotted_name) @import.name
    alias: (identifier) @import.alias)) @import

(import_from_statement
  module_name: (_) @import.module
  (wildcard_import) @import.wildcard) @import

; Import contract: see queries/python/imports.scm. A Rust use tree is expanded by the
; extractor into one import per leaf; `mod x;` is an import of module `self::x`.

(use_declaration
  argument: (_) @import.use) @import

(mod_item
  name: (identifier) @import.mod
  !body) @import

; Import contract: see queries/python/imports.scm. A Go import binds the package (alias or
; the package's own name), so name is empty.

(import_spec
  name: (_)? @import.alias
  path: (interpreted_string_literal
    (interpreted_string_literal_content) @import.module)) @import

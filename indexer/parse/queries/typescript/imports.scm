; TypeScript's own import form (`import x = require("m")`), joined after
; queries/ecma/imports.scm. Import contract: see queries/python/imports.scm.

(import_statement
  (import_require_clause
    (identifier) @import.alias
    source: (string (string_fragment) @import.module))) @import

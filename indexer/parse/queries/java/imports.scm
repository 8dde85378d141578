; Import contract: see queries/python/imports.scm. `import a.b.C;` → module a.b, name C;
; `import static a.b.C.m;` → module a.b.C, name m; `import a.b.*;` → module a.b, name *.

(import_declaration
  (scoped_identifier
    scope: (_) @import.module
    name: (identifier) @import.name)
  .) @import

(import_declaration
  (_) @import.module
  .
  (asterisk) @import.wildcard) @import

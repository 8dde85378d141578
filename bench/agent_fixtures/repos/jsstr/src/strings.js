'use strict';

/** The string with its first letter upper-cased. */
function capitalize(s) {
  return s[0].toUpperCase() + s.slice(1);
}

/** The string repeated n times, joined by sep. */
function repeat(s, n, sep) {
  const parts = [];
  for (let i = 0; i < n; i++) {
    parts.push(s);
  }
  return parts.join(sep);
}

module.exports = { capitalize, repeat };

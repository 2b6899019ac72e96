// ESLint for the browser code (templates/js/, ES modules bundled by esbuild) and its Node unit tests
// (tests/js/). `make lint-js` runs it; `make check` includes it.
import js from "@eslint/js";
import globals from "globals";

export default [
  js.configs.recommended,
  {
    files: ["templates/js/**/*.js"],
    languageOptions: {
      ecmaVersion: 2017,
      sourceType: "module",
      // The modules reach the page through the `global` they are given; the entries name the scope once.
      // URL is a builtin of the language's hosts (browsers, workers, Node) alike.
      globals: { window: "readonly", self: "readonly", URL: "readonly" },
    },
    rules: {
      // ES2017 has no `catch {}`: a catch that ignores its error still names it.
      "no-unused-vars": ["error", { caughtErrors: "none" }],
    },
  },
  {
    // The one thing newer than ES2017: import() of Pyodide's ES module, which a module worker needs.
    files: ["templates/js/worker.js"],
    languageOptions: { ecmaVersion: 2020 },
  },
  {
    files: ["tests/js/**/*.js", "tests/js/**/*.mjs"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: { ...globals.node } },
  },
  {
    files: ["eslint.config.mjs"],
    languageOptions: { sourceType: "module" },
  },
];

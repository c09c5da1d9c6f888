import { embeddedBackend } from "./backends.js";
import { streamsSuite } from "./streams-suite.js";

/**
 * The conformance streams against the embedded default (PGlite): the same SQL, type mapping and
 * state rule as the server path. Each CLI run opens the folder (~1 s of WASM start-up), which is
 * most of this file's run time.
 */
streamsSuite(embeddedBackend());

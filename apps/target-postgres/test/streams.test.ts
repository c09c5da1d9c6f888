import { postgresUnavailable } from "@repo/pg-testing";
import { describe } from "vitest";
import { serverBackend } from "./backends.js";
import { streamsSuite } from "./streams-suite.js";

const unavailable = await postgresUnavailable();
if (unavailable === undefined) streamsSuite(serverBackend());
else describe.skipIf(true)(`conformance streams (server): ${unavailable}`, () => undefined);

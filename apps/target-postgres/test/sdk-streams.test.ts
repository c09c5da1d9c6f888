import { postgresUnavailable } from "@repo/pg-testing";
import { describe } from "vitest";
import { serverBackend } from "./backends.js";
import { sdkStreamSuite } from "./sdk-suite.js";

if ((await postgresUnavailable()) === undefined) sdkStreamSuite(serverBackend());
else describe.skip("Meltano SDK target streams (server): PostgreSQL unavailable", () => undefined);

import { postgresUnavailable } from "@repo/pg-testing";
import { describe, it } from "vitest";
import { serverBackend } from "./backends.js";
import { sdkStreamSuite } from "./sdk-suite.js";

/**
 * The opt-in conformance run: the Meltano SDK's own standard target test streams (third-party
 * files, never copied into this repository) through the real CLI against the server, when
 * `SINGER_SDK_STREAMS` names the folder that holds them (CI sets it). Without it the suite is
 * skipped and says so; the same behaviours are covered by the project's own streams
 * (streams.test.ts).
 */
const folder = process.env.SINGER_SDK_STREAMS ?? "";
const unavailable = folder === "" ? undefined : await postgresUnavailable();
const skipped =
  folder === ""
    ? "skipped: set SINGER_SDK_STREAMS=<folder of the SDK's .singer files> to run it"
    : unavailable;
if (skipped === undefined) sdkStreamSuite(serverBackend(), folder);
else {
  console.warn(`Meltano SDK conformance run ${skipped}`);
  describe.skipIf(true)(`Meltano SDK conformance run: ${skipped}`, () => {
    it("every Meltano SDK target test stream", () => undefined);
  });
}

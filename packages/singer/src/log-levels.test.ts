import { describe, expect, it } from "vitest";
import { parseLogLevel } from "./log-levels.js";

describe("parseLogLevel", () => {
  it.each([
    ["DEBUG", "debug"],
    ["Warning", "warn"],
    ["critical", "fatal"],
    ["loud", undefined],
    [undefined, undefined],
  ])("parses level %s", (text, expected) => {
    expect(parseLogLevel(text)).toBe(expected);
  });
});

import { describe, expect, it } from "vitest";
import { dateText, timestampText, timeText } from "./timestamps.js";

describe("timestampText", () => {
  it.each([
    ["2019-12-18T13:19:44Z", "2019-12-18T13:19:44Z"],
    ["2019-12-18 13:19:44", "2019-12-18 13:19:44"],
    ["2019-12-18T13:19:44.123456789Z", "2019-12-18T13:19:44.123456789Z"],
    ["2019-12-18T13:19:44+00:00+00:00", "2019-12-18T13:19:44+00:00"],
    ["2019-12-18T13:19:44Z+00:00", "2019-12-18T13:19:44Z"],
    ["2019-12-18T13:19:44+0530", "2019-12-18T13:19:44+0530"],
    ["2019-12-18 13:19:44 +02", "2019-12-18 13:19:44 +02"],
    ["10000-01-01T00:00:00Z", "10000-01-01T00:00:00Z"],
    ["2020-02-29", "2020-02-29"],
    ["2019-12-18T24:00:00Z", "2019-12-18T24:00:00Z"],
    ["2024-02-29T23:59:60.000001Z", "2024-02-29T23:59:60.000001Z"],
    ["2019-12-18t13:19:44z", "2019-12-18t13:19:44z"],
  ])("reads %s as %s", (input, output) => {
    expect(timestampText(input)).toBe(output);
  });

  it.each([
    "0000-00-00",
    "0000-00-00 00:00:00",
    "2019-02-29T00:00:00Z",
    "2019-13-01T00:00:00Z",
    "2019-12-18T13:19:44+01:00+00:00",
    "2019-12-18T25:00:00Z",
    "2019-02-29T00:00:00.5Z",
    "2019-12-18T24:00:01Z",
    "2019-12-18T13:60:00.000Z",
    "2019-04-31T00:00:00Z",
    "yesterday",
    "",
    "2019-12-18T13:19:44+99:00",
    "300000-01-01T00:00:00Z",
  ])("has no timestamp for %s", (input) => {
    expect(timestampText(input)).toBeUndefined();
  });
});

describe("dateText and timeText", () => {
  it("accept dates and times, not other text", () => {
    expect(dateText("2024-02-29")).toBe("2024-02-29");
    expect(dateText("2023-02-29")).toBeUndefined();
    expect(dateText("2024-01-01T00:00:00Z")).toBeUndefined();
    expect(timeText("10:00:00")).toBe("10:00:00");
    expect(timeText("10:00:00.5+02:00")).toBe("10:00:00.5+02:00");
    expect(timeText("25:00")).toBeUndefined();
    expect(timeText("noon")).toBeUndefined();
  });
});

import { ConfigError } from "@singerkit/singer";
import { describe, expect, it } from "vitest";
import { apiRoot } from "./config.js";

describe("apiRoot", () => {
  it.each([
    ["https://api.secoda.co", "https://api.secoda.co"],
    ["https://eapi.secoda.co/", "https://eapi.secoda.co"],
    ["https://app.secoda.co/api/v1/", "https://app.secoda.co"],
    ["https://acme.secoda.co/api/v1", "https://acme.secoda.co"],
    ["https://internal.example.com/secoda/api/v1/", "https://internal.example.com/secoda"],
    ["http://127.0.0.1:4010", "http://127.0.0.1:4010"],
  ])("%s → %s", (input, root) => {
    expect(apiRoot(input)).toBe(root);
  });

  it.each(["api.secoda.co", "ftp://api.secoda.co", "https://api.secoda.co/?token=x"])(
    "rejects %s",
    (input) => {
      expect(() => apiRoot(input)).toThrow(ConfigError);
    },
  );
});

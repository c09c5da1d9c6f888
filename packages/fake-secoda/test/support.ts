import type { JsonObject, JsonValue } from "../src/json.js";

export const ADMIN_KEY = "admin-key";
export const API_KEY = "test-key";

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: JsonValue;
}

/** GET with a bearer key (null = no Authorization header); parses JSON bodies. */
export async function get(
  base: string,
  path: string,
  key: string | null = ADMIN_KEY,
): Promise<Answer> {
  const headers: Record<string, string> = key === null ? {} : { Authorization: `Bearer ${key}` };
  const response = await fetch(path.startsWith("http") ? path : `${base}${path}`, { headers });
  const text = await response.text();
  const isJson = response.headers.get("content-type") === "application/json";
  return {
    status: response.status,
    headers: response.headers,
    text,
    json: isJson ? JSON.parse(text) : null,
  };
}

export function object(value: JsonValue): JsonObject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`expected a JSON object, got ${JSON.stringify(value)?.slice(0, 200)}`);
  }
  return value;
}

export function list(value: JsonValue): JsonObject[] {
  if (!Array.isArray(value)) throw new TypeError(`expected a JSON array, got ${typeof value}`);
  return value.map(object);
}

/** `results` of a wrapped page. */
export function results(answer: Answer): JsonObject[] {
  return list(object(answer.json).results ?? null);
}

export const q = (value: unknown) => encodeURIComponent(JSON.stringify(value));

/** POST/PUT/DELETE a JSON body to the admin API. */
export async function admin(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Answer> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { "Content-Type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: JSON.parse(text) };
}

/** Generated docs match their sources of truth (run `npm run docs` after changing them). */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { generatedDocs } from "../../scripts/docs";

describe("generated documentation", () => {
  it.each(Object.entries(generatedDocs))("%s is what its source generates", (file, make) => {
    expect(readFileSync(file, "utf8")).toBe(make());
  });
});

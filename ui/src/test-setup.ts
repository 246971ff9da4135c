import { expect } from "vitest";

// A small matcher instead of jest-dom: the only one these tests need.
expect.extend({
  toHaveTextContent(element: Element, expected: string) {
    const text = element.textContent ?? "";
    return { pass: text.includes(expected), message: () => `expected "${text}" to contain "${expected}"` };
  },
});

declare module "vitest" {
  interface Assertion<T> {
    toHaveTextContent(expected: string): T;
  }
}

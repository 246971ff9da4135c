import { describe, expect, it } from "vitest";
import { senderName } from "./format";

describe("senderName", () => {
  it("names the sender, with the address where there is room", () => {
    const letter = { sender: "_DEFAULT@90011524360", sender_name: "Rīgas valstspilsētas pašvaldība" };
    expect(senderName(letter)).toBe("Rīgas valstspilsētas pašvaldība");
    expect(senderName(letter, true)).toBe("Rīgas valstspilsētas pašvaldība (_DEFAULT@90011524360)");
  });

  it("falls back to the address when the server sent no name", () => {
    expect(senderName({ sender: "_DEFAULT@90011524360" }, true)).toBe("_DEFAULT@90011524360");
    expect(senderName({ sender: "_DEFAULT@90011524360", sender_name: " " })).toBe("_DEFAULT@90011524360");
    expect(senderName({ sender: "X@1", sender_name: "X@1" }, true)).toBe("X@1");
  });
});

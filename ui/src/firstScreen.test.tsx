import { cleanup, render, waitFor } from "@testing-library/react";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { useFirstScreenShown } from "./firstScreen";

afterEach(() => {
  cleanup();
  clearMocks();
});

function Screen({ interactive }: { interactive: boolean }) {
  useFirstScreenShown("login", interactive);
  return <p>login</p>;
}

describe("useFirstScreenShown", () => {
  it("tells the desk once, when the screen first takes input", async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
    });
    const { rerender } = render(<Screen interactive={false} />);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls).toEqual([]);
    rerender(<Screen interactive />);
    await waitFor(() => expect(calls).toEqual([["first_screen_shown", { screen: "login" }]]));
    cleanup();
    render(<Screen interactive />);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls.length).toBe(1);
  });
});

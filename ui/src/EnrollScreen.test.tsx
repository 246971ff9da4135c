import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { EnrollScreen } from "./screens/EnrollScreen";
import { initI18n } from "./i18n";

beforeAll(() => initI18n("en"));
afterEach(() => {
  cleanup();
  clearMocks();
});

function fill(label: string, value: string) {
  fireEvent.change(screen.getByLabelText(label), { target: { value } });
}

describe("EnrollScreen", () => {
  it("asks for both fields before calling the backend", async () => {
    const calls: string[] = [];
    mockIPC((cmd) => {
      calls.push(cmd);
    });
    render(<EnrollScreen onEnrolled={() => {}} />);
    fireEvent.click(screen.getByRole("button", { name: "Enroll" }));
    expect(await screen.findByTestId("serverUrl-error")).toHaveTextContent("This field is required.");
    expect(screen.getByTestId("code-error")).toBeTruthy();
    expect(screen.getByLabelText("Server address").getAttribute("aria-invalid")).toBe("true");
    // Only the word that the screen is shown (the desk's start time), no enrollment.
    expect(calls.filter((cmd) => cmd !== "first_screen_shown")).toEqual([]);
  });

  it("shows a backend error on the field it concerns, translated", async () => {
    mockIPC(() => {
      throw { code: "enrollment_code_expired", message: "expired" };
    });
    render(<EnrollScreen onEnrolled={() => {}} />);
    fill("Server address", "https://pietura.example");
    fill("Enrollment code", "7KQ2-M9XD");
    fireEvent.click(screen.getByRole("button", { name: "Enroll" }));
    expect(await screen.findByTestId("code-error")).toHaveTextContent("This code has expired.");
  });

  it("passes the trimmed input to the backend and reports success", async () => {
    const args: unknown[] = [];
    mockIPC((cmd, payload) => {
      args.push([cmd, payload]);
      return { server_url: "https://p/", device_name: "Galds 1", centre_name: "Rīgas VPVKAC", centre_municipality: "Rīga" };
    });
    const enrolled = vi.fn();
    render(<EnrollScreen onEnrolled={enrolled} />);
    fill("Server address", "  https://p  ");
    fill("Enrollment code", " 7kq2-m9xd ");
    fireEvent.click(screen.getByRole("button", { name: "Enroll" }));
    await waitFor(() => expect(enrolled).toHaveBeenCalledOnce());
    expect(args).toEqual([["enroll", { serverUrl: "https://p", code: "7kq2-m9xd" }]]);
  });
});

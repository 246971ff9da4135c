import { useEffect } from "react";
import { api } from "./api";

let reported = false;

/** Tells the desk, once per start, that its first screen is painted and takes input: the start
 *  time the desk logs (support sees a slow PC there; `cargo xtask measure` reads it). */
export function useFirstScreenShown(screen: "enrollment" | "login", interactive: boolean) {
  useEffect(() => {
    if (!interactive || reported) return;
    reported = true;
    // The frame after this render has been painted when the next task runs.
    const tell = () => setTimeout(() => api.firstScreenShown(screen).catch(() => {}), 0);
    if (typeof requestAnimationFrame === "function") requestAnimationFrame(tell);
    else tell();
  }, [screen, interactive]);
}

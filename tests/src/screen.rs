//! A virtual X screen of the test's own whose pixels the test can read: Xvfb keeps its frame
//! buffer in an XWD file (`-fbdir`), which [`Screen::screenshot`] turns into a PNG. No screenshot
//! tool needed, and the picture is exactly what a user of that display would see.

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::Duration,
};

use anyhow::{Context, Result, bail, ensure};

use crate::processes::{Process, wait_until};

/// Xvfb on a free display, 1280×800 at 24 bits, its frame buffer in a folder of the test's.
pub struct Screen {
    pub display: String,
    frame_buffer: PathBuf,
    _xvfb: Process,
}

impl Screen {
    pub fn start(dir: &Path) -> Result<Self> {
        let fbdir = dir.join("xvfb");
        std::fs::create_dir_all(&fbdir)?;
        for number in 150..200 {
            if Path::new(&format!("/tmp/.X{number}-lock")).exists()
                || Path::new(&format!("/tmp/.X11-unix/X{number}")).exists()
            {
                continue;
            }
            let display = format!(":{number}");
            let mut command = Command::new("Xvfb");
            command
                // No pointer drawn: nothing moves it (clicks come through WebDriver or AT-SPI), so
                // it would sit mid-screen over what the picture is of. A touch kiosk shows none.
                .args([display.as_str(), "-screen", "0", "1280x800x24", "-nolisten", "tcp", "-nocursor", "-fbdir"])
                .arg(&fbdir)
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            let xvfb = Process::spawn("Xvfb", &mut command)?;
            let socket = PathBuf::from(format!("/tmp/.X11-unix/X{number}"));
            let lock = PathBuf::from(format!("/tmp/.X{number}-lock"));
            wait_until("Xvfb's socket", Duration::from_secs(10), || Ok(socket.exists() && lock.exists()))?;
            // Two tests may take the same free number at once: the display is this test's only
            // if the lock names its Xvfb (the other one gives up). Else the next number.
            let holder = std::fs::read_to_string(&lock).ok().and_then(|pid| pid.trim().parse::<u32>().ok());
            if holder != Some(xvfb.id()) {
                continue;
            }
            return Ok(Self { display, frame_buffer: fbdir.join("Xvfb_screen0"), _xvfb: xvfb });
        }
        bail!("no free X display between :150 and :199")
    }

    /// Writes the screen as it is now to `png`.
    pub fn screenshot(&self, png: &Path) -> Result<()> {
        let xwd = std::fs::read(&self.frame_buffer).context("Xvfb's frame buffer file")?;
        let (width, height, rgb) = xwd_to_rgb(&xwd)?;
        image::save_buffer(png, &rgb, width, height, image::ExtendedColorType::Rgb8)
            .with_context(|| format!("writing {}", png.display()))
    }

    /// Writes the part of the screen a window covers (`x`, `y`, `width`, `height`; what lies
    /// off the screen is left out) to `png`.
    pub fn screenshot_area(&self, png: &Path, (x, y, width, height): (u32, u32, u32, u32)) -> Result<()> {
        let xwd = std::fs::read(&self.frame_buffer).context("Xvfb's frame buffer file")?;
        let (screen_width, screen_height, rgb) = xwd_to_rgb(&xwd)?;
        let screen = image::RgbImage::from_raw(screen_width, screen_height, rgb).context("the frame buffer's size")?;
        let (x, y, width, height) = on_screen((screen_width, screen_height), (x, y, width, height));
        image::imageops::crop_imm(&screen, x, y, width, height)
            .to_image()
            .save(png)
            .with_context(|| format!("writing {}", png.display()))
    }
}

/// The part of `area` (x, y, width, height) that lies on a screen of `size`: at least a pixel.
fn on_screen(
    (screen_width, screen_height): (u32, u32),
    (x, y, width, height): (u32, u32, u32, u32),
) -> (u32, u32, u32, u32) {
    let (x, y) = (x.min(screen_width - 1), y.min(screen_height - 1));
    (x, y, width.min(screen_width - x).max(1), height.min(screen_height - y).max(1))
}

/// The pixels of an XWD (X Window Dump, version 7) image in Z format with 32-bit pixels, as
/// Xvfb writes them: width, height and RGB bytes.
fn xwd_to_rgb(xwd: &[u8]) -> Result<(u32, u32, Vec<u8>)> {
    let field = |index: usize| -> Result<u32> {
        let bytes = xwd.get(index * 4..index * 4 + 4).context("the XWD header is cut short")?;
        Ok(u32::from_be_bytes(bytes.try_into()?))
    };
    let (header_size, version, format) = (field(0)? as usize, field(1)?, field(2)?);
    ensure!(version == 7 && format == 2, "not an XWD v7 Z-format image (version {version}, format {format})");
    let (width, height, byte_order) = (field(4)?, field(5)?, field(7)?);
    let (bits_per_pixel, bytes_per_line, colours) = (field(11)?, field(12)? as usize, field(19)? as usize);
    let masks = [field(14)?, field(15)?, field(16)?];
    ensure!(bits_per_pixel == 32, "{bits_per_pixel} bits per pixel: only 32 is read");
    let pixels = header_size + colours * 12;
    let mut rgb = Vec::with_capacity(width as usize * height as usize * 3);
    for row in 0..height as usize {
        let line = xwd
            .get(pixels + row * bytes_per_line..pixels + row * bytes_per_line + width as usize * 4)
            .context("the XWD pixels are cut short")?;
        for pixel in line.chunks_exact(4) {
            let bytes = pixel.try_into()?;
            let value = if byte_order == 0 { u32::from_le_bytes(bytes) } else { u32::from_be_bytes(bytes) };
            for mask in masks {
                rgb.push(((value & mask) >> mask.trailing_zeros()) as u8);
            }
        }
    }
    Ok((width, height, rgb))
}

#[cfg(test)]
mod tests {
    use super::on_screen;

    #[test]
    fn a_window_is_photographed_as_far_as_it_lies_on_the_screen() {
        assert_eq!(on_screen((1280, 800), (0, 0, 1200, 800)), (0, 0, 1200, 800));
        assert_eq!(on_screen((1280, 800), (100, 50, 1200, 800)), (100, 50, 1180, 750));
        assert_eq!(on_screen((1280, 800), (2000, 900, 10, 10)), (1279, 799, 1, 1));
        assert_eq!(on_screen((1280, 800), (0, 0, 0, 0)), (0, 0, 1, 1));
    }
}

//! The pictures the benchmark uploads: photos of about 200 KB (noisy enough that JPEG cannot
//! shrink them, each seed its own picture) and a drawn signature.

use image::{ImageFormat, Luma, Rgb, RgbImage};
use std::io::Cursor;

/// A JPEG of about 200 KB, different for each seed.
pub fn photo(seed: usize) -> Vec<u8> {
    let mut rng = fastrand::Rng::with_seed(seed as u64 + 1);
    let (base_r, base_g) = (rng.u8(40..200), rng.u8(40..200));
    let img = RgbImage::from_fn(720, 540, |x, y| {
        let block = ((x / 90 + y / 90 + seed as u32) % 5) as u8 * 30;
        Rgb([
            base_r.wrapping_add(block).wrapping_add(rng.u8(0..64)),
            base_g.wrapping_add(rng.u8(0..64)),
            block.wrapping_add(rng.u8(0..64)),
        ])
    });
    encode(&image::DynamicImage::ImageRgb8(img), ImageFormat::Jpeg)
}

/// A signature: a dark stroke on white, as a phone's canvas exports it (PNG).
pub fn signature() -> Vec<u8> {
    let img = image::GrayImage::from_fn(600, 200, |x, y| {
        let stroke = (100.0 + 40.0 * ((x as f32) / 30.0).sin()) as u32;
        if y.abs_diff(stroke) < 3 {
            Luma([20])
        } else {
            Luma([255])
        }
    });
    encode(&image::DynamicImage::ImageLuma8(img), ImageFormat::Png)
}

fn encode(img: &image::DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    // Encoding into memory fails only when memory runs out.
    let _ = img.write_to(&mut out, format);
    out.into_inner()
}

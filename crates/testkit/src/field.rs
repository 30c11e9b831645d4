//! Helpers for field-loop tests: pictures that do not look alike, and where the demo's running
//! wastewater task is filed.

use crate::{Remote, TestApp};
use anyhow::{Result, anyhow};
use image::{ImageFormat, Rgb, RgbImage};
use reqwest::Method;
use std::io::Cursor;

/// A picture of its own: 8 × 8 blocks of brightness drawn from `seed`, so pictures of different
/// seeds are far apart by perceptual hash (and from the demo's pictures, which start the same
/// sequence from other states). PNG when `png`, JPEG otherwise.
pub fn picture(w: u32, h: u32, seed: u64, png: bool) -> Vec<u8> {
    let mut state = seed.wrapping_add(0x5851_F42D_4C95_7F2D) ^ 0xD1B5_4A32_D192_ED03;
    let mut blocks = [0u8; 64];
    for b in &mut blocks {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        *b = (state >> 56) as u8;
    }
    let img = RgbImage::from_fn(w, h, |x, y| {
        let v = blocks[((y * 8 / h) * 8 + x * 8 / w) as usize];
        Rgb([v, v / 2 + 60, 255 - v])
    });
    let mut out = Cursor::new(Vec::new());
    let format = if png {
        ImageFormat::Png
    } else {
        ImageFormat::Jpeg
    };
    // Encoding an in-memory picture cannot fail short of memory running out.
    let _ = img.write_to(&mut out, format);
    out.into_inner()
}

/// A photo (800 × 600 JPEG) or a signature (600 × 200 PNG) for `kind`.
pub fn image_for(kind: &str, seed: u64) -> Vec<u8> {
    if kind == "signature" {
        picture(600, 200, seed, true)
    } else {
        picture(800, 600, seed, false)
    }
}

/// The demo's running wastewater task as a filer files under it: agency A's PQ-YW-2026-001, or
/// the self-maintaining enterprise's LG-ZY-2026-001.
pub struct DemoSite {
    pub task_id: String,
    pub outlet_id: String,
    pub lat: f64,
    pub lon: f64,
    /// (id, parameter, unit, range upper) of the outlet's instruments, in listed order.
    pub instruments: Vec<(String, String, String, String)>,
}

impl Remote {
    /// Uploads an image of `kind` to `path` and answers its id.
    pub async fn image(&self, token: &str, path: &str, kind: &str, seed: u64) -> Result<String> {
        let (status, body) = self
            .upload(
                token,
                path,
                &[("kind", kind)],
                Some(("a.jpg", image_for(kind, seed))),
            )
            .await?;
        if status != reqwest::StatusCode::CREATED {
            return Err(anyhow!("upload answered {status}: {body}"));
        }
        body["id"]
            .as_str()
            .map(String::from)
            .ok_or_else(|| anyhow!("no id in {body}"))
    }

    /// The demo's running wastewater task, its first point and that outlet's instruments.
    pub async fn demo_site(&self, token: &str) -> Result<DemoSite> {
        let text = |v: &serde_json::Value| v.as_str().map(String::from).unwrap_or_default();
        let (_, tasks) = self
            .call(Method::GET, token, "/api/v1/tasks?state=in_progress", None)
            .await?;
        let task_id = tasks["items"]
            .as_array()
            .and_then(|items| {
                items
                    .iter()
                    .find(|t| t["number"] == "PQ-YW-2026-001" || t["number"] == "LG-ZY-2026-001")
            })
            .map(|t| text(&t["id"]))
            .ok_or_else(|| anyhow!("no demo task in {tasks}"))?;
        let (_, detail) = self
            .call(
                Method::GET,
                token,
                &format!("/api/v1/tasks/{task_id}"),
                None,
            )
            .await?;
        let point = &detail["points"][0];
        let outlet_id = text(&point["outlet_id"]);
        let (_, listed) = self
            .call(
                Method::GET,
                token,
                &format!("/api/v1/outlets/{outlet_id}/instruments"),
                None,
            )
            .await?;
        let instruments = listed["items"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|i| {
                        (
                            text(&i["id"]),
                            text(&i["parameter"]),
                            text(&i["unit"]),
                            text(&i["range_upper"]),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(DemoSite {
            lat: text(&point["latitude"]).parse()?,
            lon: text(&point["longitude"]).parse()?,
            task_id,
            outlet_id,
            instruments,
        })
    }
}

impl TestApp {
    /// Uploads an image of `kind` to `path` and answers its id.
    pub async fn image(&self, token: &str, path: &str, kind: &str, seed: u64) -> Result<String> {
        self.remote().image(token, path, kind, seed).await
    }

    /// The demo's running wastewater task, its first point and that outlet's instruments.
    pub async fn demo_site(&self, token: &str) -> Result<DemoSite> {
        self.remote().demo_site(token).await
    }
}

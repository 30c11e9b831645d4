//! Charts drawn on the server as SVG with plotters, in the portal's colours, with no script and
//! nothing fetched (the government intranet has no CDN). The browser lays the text out
//! (`text-anchor`), so no width is measured for drawing; the room kept for a name is counted the
//! way CJK fonts set it — an ideograph one em, other characters at most 0.6 em — and longer names
//! are shortened with "…" (the table beside each chart has them whole). Every chart carries a
//! text alternative.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

const PRIMARY: RGBColor = RGBColor(0x1a, 0x5f, 0xb4);
const SUCCESS: RGBColor = RGBColor(0x18, 0x71, 0x3d);
const WARNING: RGBColor = RGBColor(0xd9, 0x8e, 0x04);
const DANGER: RGBColor = RGBColor(0xb4, 0x23, 0x18);
const TEXT: RGBColor = RGBColor(0x4b, 0x55, 0x63);
const GRID: RGBColor = RGBColor(0xe5, 0xe8, 0xed);
const FONT: &str = "sans-serif";
/// Label size in pixels (plotters draws a font of size s at s / 1.24 px).
const LABEL_PX: f64 = 13.0;
/// The longest name a bar chart shows, in ems.
const NAME_EMS: f64 = 14.0;

/// Width in ems of `text` as a CJK font sets it (ideographs and full-width forms one em).
pub fn ems(text: &str) -> f64 {
    text.chars()
        .map(|c| if c.len_utf8() >= 3 { 1.0 } else { 0.6 })
        .sum()
}

/// `text` cut to `max` ems, with "…" when cut.
pub fn shorten(text: &str, max: f64) -> String {
    if ems(text) <= max {
        return text.to_string();
    }
    let mut out = String::new();
    let mut width = 1.0; // the ellipsis
    for c in text.chars() {
        width += ems(&c.to_string());
        if width > max {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// One series of a chart: its name and colour.
pub struct Series {
    pub name: &'static str,
    pub color: RGBColor,
}

pub const ON_TIME: Series = Series {
    name: "按时",
    color: SUCCESS,
};
pub const MADE_UP: Series = Series {
    name: "补做",
    color: WARNING,
};
pub const OVERDUE: Series = Series {
    name: "超期",
    color: DANGER,
};
pub const RECORDS: Series = Series {
    name: "运维记录",
    color: PRIMARY,
};

fn font(px: f64) -> TextStyle<'static> {
    (FONT, px * 1.24).into_font().color(&TEXT)
}

/// Puts the text alternative on the root element and lets the chart shrink with its column.
fn accessible(svg: String, alt: &str) -> String {
    let alt = askama::filters::escape(alt, askama::filters::Html)
        .map(|e| e.to_string())
        .unwrap_or_default();
    svg.replacen(
        "<svg ",
        &format!("<svg role=\"img\" aria-label=\"{alt}\" class=\"chart\" "),
        1,
    )
}

/// The legend along the top: a swatch and the series' name for each.
fn legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    series: &[&Series],
) -> Result<(), String> {
    let mut x = 8i32;
    for s in series {
        root.draw(&Rectangle::new([(x, 8), (x + 12, 20)], s.color.filled()))
            .map_err(|e| e.to_string())?;
        root.draw(&Text::new(
            s.name,
            (x + 16, 14),
            font(LABEL_PX).pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(|e| e.to_string())?;
        x += 16 + (ems(s.name) * LABEL_PX) as i32 + 18;
    }
    Ok(())
}

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;

/// A chart of `size` with its legend, drawn by `body`, with its text alternative; nothing (and a
/// warning in the log) if it could not be drawn.
fn draw(
    size: (u32, u32),
    series: &[&Series],
    alt: &str,
    body: impl FnOnce(&Area) -> Result<(), String>,
) -> String {
    let mut svg = String::new();
    let drawn = (|| -> Result<(), String> {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        legend(&root, series)?;
        body(&root)?;
        root.present().map_err(|e| e.to_string())
    })();
    match drawn {
        Ok(()) => accessible(svg, alt),
        Err(e) => {
            tracing::warn!("drawing a chart: {e}");
            String::new()
        }
    }
}

/// A count axis reaching a little past `max`, at least 1.
fn axis_top(max: u64) -> f64 {
    ((max.max(1) as f64) * 1.1).ceil()
}

/// Horizontal bars stacked per row, one row per name (a statistics table's chart).
pub fn stacked_bars(rows: &[(String, Vec<u64>)], series: &[&Series], alt: &str) -> String {
    let height = 44 + 30 * rows.len().max(1) as u32 + 28;
    let name_px = rows
        .iter()
        .map(|(n, _)| ems(&shorten(n, NAME_EMS)))
        .fold(2.0, f64::max)
        * LABEL_PX
        + 12.0;
    let max = rows
        .iter()
        .map(|(_, v)| v.iter().sum::<u64>())
        .max()
        .unwrap_or(0);
    draw((720, height), series, alt, |root| {
        let n = rows.len().max(1) as f64;
        let mut chart = ChartBuilder::on(root)
            .margin_top(36)
            .margin_right(24)
            .x_label_area_size(28)
            .y_label_area_size(name_px as u32)
            .build_cartesian_2d(0f64..axis_top(max), 0f64..n)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_labels(6)
            .x_label_formatter(&|v| format!("{}", v.round() as u64))
            .x_label_style(font(12.0))
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .axis_style(GRID)
            .draw()
            .map_err(|e| e.to_string())?;
        for (i, (name, values)) in rows.iter().enumerate() {
            // The first row on top.
            let y = n - 1.0 - i as f64;
            let mut x = 0.0;
            for (v, s) in values.iter().zip(series) {
                if *v > 0 {
                    let end = x + *v as f64;
                    chart
                        .draw_series(std::iter::once(Rectangle::new(
                            [(x, y + 0.2), (end, y + 0.8)],
                            s.color.filled(),
                        )))
                        .map_err(|e| e.to_string())?;
                    x = end;
                }
            }
            let (px, py) = chart.backend_coord(&(0.0, y + 0.5));
            root.draw(&Text::new(
                shorten(name, NAME_EMS),
                (px - 8, py),
                font(LABEL_PX).pos(Pos::new(HPos::Right, VPos::Center)),
            ))
            .map_err(|e| e.to_string())?;
        }
        Ok(())
    })
}

/// Vertical bars side by side per period (the dashboard's twelve months).
pub fn grouped_columns(points: &[(String, Vec<u64>)], series: &[&Series], alt: &str) -> String {
    let max = points
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .max()
        .unwrap_or(0);
    draw((720, 280), series, alt, |root| {
        let n = points.len().max(1) as f64;
        let mut chart = ChartBuilder::on(root)
            .margin_top(36)
            .margin_right(16)
            .x_label_area_size(28)
            .y_label_area_size(44)
            .build_cartesian_2d(0f64..n, 0f64..axis_top(max))
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .y_labels(5)
            .y_label_formatter(&|v| format!("{}", v.round() as u64))
            .y_label_style(font(12.0))
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .axis_style(GRID)
            .draw()
            .map_err(|e| e.to_string())?;
        let width = 0.8 / series.len().max(1) as f64;
        for (i, (label, values)) in points.iter().enumerate() {
            for (j, (v, s)) in values.iter().zip(series).enumerate() {
                let x = i as f64 + 0.1 + width * j as f64;
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(x, 0.0), (x + width * 0.9, *v as f64)],
                        s.color.filled(),
                    )))
                    .map_err(|e| e.to_string())?;
            }
            let (px, py) = chart.backend_coord(&(i as f64 + 0.5, 0.0));
            root.draw(&Text::new(
                label.clone(),
                (px, py + 6),
                font(12.0).pos(Pos::new(HPos::Center, VPos::Top)),
            ))
            .map_err(|e| e.to_string())?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_measured_as_cjk_fonts_set_them_and_shortened() {
        assert_eq!(ems("浦东新区"), 4.0);
        assert!((ems("COD分析仪") - 4.8).abs() < 1e-9);
        assert_eq!(shorten("浦东新区", 14.0), "浦东新区");
        let long = "上海浦东新区某某环境监测技术服务有限公司";
        let short = shorten(long, 14.0);
        assert!(short.ends_with('…'));
        assert!(ems(&short) <= 14.0);
    }

    #[test]
    fn a_chart_is_svg_with_its_text_alternative_and_names() {
        let svg = stacked_bars(
            &[
                ("浦东新区".to_string(), vec![3, 1, 2]),
                ("<黄浦区>".to_string(), vec![0, 0, 1]),
            ],
            &[&ON_TIME, &MADE_UP, &OVERDUE],
            "按区：浦东新区 超期 2",
        );
        assert!(svg.starts_with("<svg role=\"img\" aria-label=\"按区：浦东新区 超期 2\""));
        assert!(svg.contains("\n浦东新区\n"));
        assert!(svg.contains("\n&lt;黄浦区&gt;\n"));
        assert!(svg.contains("\n超期\n"));
        let columns = grouped_columns(
            &[
                ("1月".to_string(), vec![5, 1]),
                ("2月".to_string(), vec![0, 0]),
            ],
            &[&RECORDS, &OVERDUE],
            "近十二个月",
        );
        assert!(columns.contains("\n2月\n"));
    }
}

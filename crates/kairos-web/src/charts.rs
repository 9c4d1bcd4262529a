//! Charts as server-rendered SVG (plotters, SVG backend only: no fonts or system libraries
//! are read; text is laid out with estimated metrics and drawn by the browser).
//!
//! The SVG is written into the page, so it must be safe there: plotters escapes every text
//! and attribute it writes, emits presentation attributes only (no `style`, nothing
//! scripted), and the stylesheet recolours text and grid lines for the dark scheme. Each
//! chart carries a `<title>` and `<desc>` and sits beside a table of the same numbers.

use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use std::fmt;

/// Width and height of a chart's drawing (it scales to its box).
const SIZE: (u32, u32) = (640, 320);
/// Text size of axis labels, in SVG units.
const LABEL: u32 = 20;

/// Series colours: chosen to keep 3:1 against both the light and the dark background;
/// `.swatch-N` in the stylesheet shows the same colour in the legend.
pub(crate) const PALETTE: [RGBColor; 8] = [
    RGBColor(0x3b, 0x82, 0xf6),
    RGBColor(0xd9, 0x77, 0x06),
    RGBColor(0x16, 0xa3, 0x4a),
    RGBColor(0x93, 0x33, 0xea),
    RGBColor(0xdb, 0x27, 0x77),
    RGBColor(0x0d, 0x94, 0x88),
    RGBColor(0x64, 0x74, 0x8b),
    RGBColor(0xdc, 0x26, 0x26),
];

/// One data series: its colour (an index into [`PALETTE`]) and one value per category.
pub(crate) struct Series {
    /// Index into [`PALETTE`].
    pub colour: usize,
    /// Values, one per category.
    pub values: Vec<u32>,
}

/// A rendered chart: SVG markup produced by plotters (escaped by it), marked safe for the
/// templates. Only this module makes one.
pub(crate) struct Svg(String);

impl fmt::Display for Svg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl askama::filters::HtmlSafe for Svg {}

impl Svg {
    /// The markup (for tests).
    #[cfg(test)]
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

/// Puts `title` and `desc` (escaped here) into plotters' SVG root, which becomes a labelled
/// image that scales to its box.
fn finish(raw: String, id: &str, title: &str, desc: &str) -> Svg {
    let body = raw
        .split_once('>')
        .map(|(_, rest)| rest.to_owned())
        .unwrap_or_default();
    let (w, h) = SIZE;
    Svg(format!(
        "<svg viewBox=\"0 0 {w} {h}\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" \
         aria-labelledby=\"{id}-title {id}-desc\" class=\"chart-svg\">\
         <title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>{body}",
        escape(title),
        escape(desc),
    ))
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A drawing failed (plotters reports only on our own mistakes): an empty drawing.
fn or_empty(result: Result<(), String>, raw: String) -> String {
    match result {
        Ok(()) => raw,
        Err(e) => {
            tracing::error!(error = %e, "chart failed");
            String::from("<svg>")
        }
    }
}

/// Enough head room above the largest value, and never an empty axis.
fn top(max: u32) -> u32 {
    (max + max / 10).max(4)
}

/// How the series of a bar chart share a category.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bars {
    /// On top of each other (parts of one whole).
    Stacked,
    /// Side by side (different measures).
    Grouped,
}

/// Bars per category. `labels` name the categories (days, agents); at most about 10 are
/// written under the axis.
pub(crate) fn bars(
    id: &str,
    title: &str,
    desc: &str,
    labels: &[String],
    series: &[Series],
    how: Bars,
) -> Svg {
    let n = labels.len().max(1);
    let value = |s: &Series, i: usize| s.values.get(i).copied().unwrap_or(0);
    let highest = (0..n)
        .map(|i| match how {
            Bars::Stacked => series.iter().map(|s| value(s, i)).sum(),
            Bars::Grouped => series.iter().map(|s| value(s, i)).max().unwrap_or(0),
        })
        .max()
        .unwrap_or(0);
    let y_max = top(highest);
    // Pixel width of one category (the plot is the drawing less margins and the y labels).
    let slot = (SIZE.0 - 16 - 56) / u32::try_from(n).unwrap_or(1).max(1);
    let k = u32::try_from(series.len()).unwrap_or(1).max(1);
    let mut raw = String::new();
    let result = draw(&mut raw, |root| {
        let n32 = u32::try_from(n).unwrap_or(u32::MAX);
        let mut chart = ChartBuilder::on(root)
            .margin(8)
            .x_label_area_size(40)
            .y_label_area_size(56)
            .build_cartesian_2d((0u32..n32).into_segmented(), 0u32..y_max)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n.min(7))
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => {
                    labels.get(*i as usize).cloned().unwrap_or_default()
                }
                SegmentValue::Last => String::new(),
            })
            .y_labels(5)
            .label_style(("sans-serif", LABEL))
            .axis_style(PALETTE[6])
            .bold_line_style(PALETTE[6].mix(0.3))
            .light_line_style(TRANSPARENT)
            .draw()
            .map_err(|e| e.to_string())?;
        let mut base = vec![0u32; n];
        for (j, s) in (0u32..).zip(series) {
            let colour = PALETTE[s.colour % PALETTE.len()];
            let bars = (0..n).filter_map(|i| {
                let v = s.values.get(i).copied().unwrap_or(0);
                if v == 0 {
                    return None;
                }
                let i32_ = u32::try_from(i).unwrap_or(0);
                let from = if how == Bars::Stacked { base[i] } else { 0 };
                base[i] += v;
                let mut r = Rectangle::new(
                    [
                        (SegmentValue::Exact(i32_), from),
                        (SegmentValue::Exact(i32_ + 1), from + v),
                    ],
                    colour.filled(),
                );
                match how {
                    Bars::Stacked => r.set_margin(0, 0, 2, 2),
                    Bars::Grouped => {
                        let left = 2 + j * slot / k;
                        let right = 2 + (k - 1 - j) * slot / k;
                        r.set_margin(0, 0, left, right)
                    }
                };
                Some(r)
            });
            chart.draw_series(bars).map_err(|e| e.to_string())?;
        }
        Ok(())
    });
    finish(or_empty(result, raw), id, title, desc)
}

/// One line per series over the categories.
pub(crate) fn lines(
    id: &str,
    title: &str,
    desc: &str,
    labels: &[String],
    series: &[Series],
) -> Svg {
    let n = labels.len().max(1);
    let y_max = top(series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .max()
        .unwrap_or(0));
    let mut raw = String::new();
    let result = draw(&mut raw, |root| {
        let last = u32::try_from(n - 1).unwrap_or(0).max(1);
        let mut chart = ChartBuilder::on(root)
            .margin(8)
            .x_label_area_size(40)
            .y_label_area_size(56)
            .build_cartesian_2d(0u32..last, 0u32..y_max)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n.min(7))
            .x_label_formatter(&|i| labels.get(*i as usize).cloned().unwrap_or_default())
            .y_labels(5)
            .label_style(("sans-serif", LABEL))
            .axis_style(PALETTE[6])
            .bold_line_style(PALETTE[6].mix(0.3))
            .light_line_style(TRANSPARENT)
            .draw()
            .map_err(|e| e.to_string())?;
        for s in series {
            let colour = PALETTE[s.colour % PALETTE.len()];
            let points = s
                .values
                .iter()
                .enumerate()
                .map(|(i, v)| (u32::try_from(i).unwrap_or(0), *v));
            chart
                .draw_series(LineSeries::new(points.clone(), colour.stroke_width(3)))
                .map_err(|e| e.to_string())?;
            if n <= 31 {
                chart
                    .draw_series(points.map(|p| Circle::new(p, 3, colour.filled())))
                    .map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    });
    finish(or_empty(result, raw), id, title, desc)
}

fn draw(
    raw: &mut String,
    f: impl FnOnce(&DrawingArea<SVGBackend<'_>, plotters::coord::Shift>) -> Result<(), String>,
) -> Result<(), String> {
    let root = SVGBackend::with_string(raw, SIZE).into_drawing_area();
    f(&root)?;
    root.present().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(n: usize) -> Vec<String> {
        (1..=n).map(|d| format!("12-{d:02}")).collect()
    }

    /// Checklist B03, B05: the SVG carries no script, handler or inline style, and text in
    /// it (an agent's name) is escaped.
    #[test]
    fn charts_are_inert_and_escaped() {
        let hostile = "<img src=x onerror=alert(1)>".to_owned();
        let bars = bars(
            "load",
            "Load <b>",
            "desc",
            &[hostile.clone(), "B".into()],
            &[
                Series {
                    colour: 0,
                    values: vec![3, 1],
                },
                Series {
                    colour: 1,
                    values: vec![2, 0],
                },
            ],
            Bars::Grouped,
        );
        let line = lines(
            "backlog",
            "Backlog",
            "desc",
            &days(30),
            &[Series {
                colour: 0,
                values: (0..30).collect(),
            }],
        );
        for svg in [bars.as_str(), line.as_str()] {
            assert!(svg.starts_with("<svg viewBox"), "{svg}");
            assert!(svg.trim_end().ends_with("</svg>"));
            let lower = svg.to_lowercase();
            for bad in ["<script", "style=", "<img", "javascript:", "<foreignobject"] {
                assert!(!lower.contains(bad), "{bad} in {svg}");
            }
        }
        assert!(bars.as_str().contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert!(
            bars.as_str()
                .contains("<title id=\"load-title\">Load &lt;b&gt;</title>")
        );
        assert!(bars.as_str().matches("<rect").count() >= 2);
    }

    #[test]
    fn empty_data_still_draws_axes() {
        let svg = bars("v", "t", "d", &days(7), &[], Bars::Stacked);
        assert!(svg.as_str().contains("<line"));
        let svg = lines("b", "t", "d", &[], &[]);
        assert!(svg.as_str().contains("</svg>"));
    }
}

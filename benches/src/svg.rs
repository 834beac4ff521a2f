//! Grouped horizontal bar charts as SVG text: one group per category (a variant), one bar per
//! series (a layout). No plotting dependency: the charts are simple and SVG is text.

use std::fmt::Write;

pub struct Series<'a> {
    pub name: &'a str,
    pub color: &'a str,
}

const WIDTH: f64 = 860.0;
const LABEL: f64 = 200.0;
const BAR: f64 = 16.0;
const GAP: f64 = 10.0;
const TOP: f64 = 56.0;

/// `values[category][series]`; `log` draws a log10(1 + value) scale, for counts spanning decades.
pub fn bar_chart(
    title: &str,
    unit: &str,
    categories: &[&str],
    series: &[Series<'_>],
    values: &[Vec<f64>],
    log: bool,
) -> String {
    let scale = |v: f64| {
        if log {
            (1.0 + v.max(0.0)).log10()
        } else {
            v.max(0.0)
        }
    };
    let max = values
        .iter()
        .flatten()
        .map(|v| scale(*v))
        .fold(0.0_f64, f64::max)
        .max(1e-9);
    let plot = WIDTH - LABEL - 110.0;
    let group = series.len() as f64 * BAR + GAP;
    let height = TOP + categories.len() as f64 * group + 20.0;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        svg,
        r#"<text x="10" y="20" font-size="15" font-weight="bold">{}</text>"#,
        escape(title)
    );
    let scale_note = if log { ", log scale" } else { "" };
    let mut x = 10.0;
    let _ = writeln!(
        svg,
        r#"<text x="{x}" y="40">{}{scale_note}</text>"#,
        escape(unit)
    );
    x += 12.0 + 7.0 * (unit.len() + scale_note.len()) as f64;
    for s in series {
        let _ = writeln!(
            svg,
            r#"<rect x="{x}" y="30" width="12" height="12" fill="{}"/><text x="{}" y="40">{}</text>"#,
            s.color,
            x + 16.0,
            escape(s.name)
        );
        x += 30.0 + 7.0 * s.name.len() as f64;
    }
    for (i, (category, row)) in categories.iter().zip(values).enumerate() {
        let y0 = TOP + i as f64 * group;
        let _ = writeln!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="end">{}</text>"#,
            LABEL - 8.0,
            y0 + series.len() as f64 * BAR / 2.0 + 4.0,
            escape(category)
        );
        for (j, (s, value)) in series.iter().zip(row).enumerate() {
            let y = y0 + j as f64 * BAR;
            let w = (scale(*value) / max * plot).max(1.0);
            let _ = writeln!(
                svg,
                r#"<rect x="{LABEL}" y="{y}" width="{w:.1}" height="{}" fill="{}"/><text x="{:.1}" y="{}">{}</text>"#,
                BAR - 2.0,
                s.color,
                LABEL + w + 4.0,
                y + BAR - 5.0,
                format_value(*value)
            );
        }
    }
    svg.push_str("</svg>\n");
    svg
}

pub fn format_value(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_proportional_to_values() {
        let series = [Series {
            name: "a",
            color: "#000",
        }];
        let svg = bar_chart(
            "t",
            "req/s",
            &["x", "y"],
            &series,
            &[vec![100.0], vec![50.0]],
            false,
        );
        let widths: Vec<f64> = svg
            .match_indices("width=\"")
            .skip(2) // the svg and background
            .filter_map(|(i, _)| svg[i + 7..].split('"').next()?.parse().ok())
            .filter(|w: &f64| *w != 12.0)
            .collect();
        assert_eq!(widths.len(), 2, "{svg}");
        assert!((widths[0] / widths[1] - 2.0).abs() < 0.01, "{widths:?}");
    }
}

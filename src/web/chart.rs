//! The member page's chart: the running total of points per day, drawn as SVG by plotters
//! (its axis text is SVG `<text>`, so no font files are needed).

use chrono::{Duration, NaiveDate};
use plotters::prelude::*;

/// The chart's size in SVG user units (it scales to the page's width).
const SIZE: (u32, u32) = (480, 260);
const ACCENT: RGBColor = RGBColor(0x25, 0x46, 0xb8);
const INK: RGBColor = RGBColor(0x4a, 0x52, 0x60);

/// The SVG of `series` (day, running total), or `None` without points.
pub fn points_svg(series: &[(NaiveDate, i64)]) -> Option<String> {
    let (first, _) = *series.first()?;
    let (last, _) = *series.last()?;
    let days = (last - first).num_days().max(1);
    let top = series.iter().map(|(_, p)| *p).max().unwrap_or(0).max(1);
    let bottom = series.iter().map(|(_, p)| *p).min().unwrap_or(0).min(0);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).ok()?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .margin_right(36)
            .x_label_area_size(32)
            .y_label_area_size(48)
            .build_cartesian_2d(0i64..days, bottom..top + top / 10 + 1)
            .ok()?;
        let label = |d: &i64| (first + Duration::days(*d)).format("%-d %b").to_string();
        chart
            .configure_mesh()
            .light_line_style(RGBColor(0xee, 0xf0, 0xf3))
            .bold_line_style(RGBColor(0xd5, 0xd9, 0xe0))
            .axis_style(INK)
            .label_style(("sans-serif", 20).into_font().color(&INK))
            .x_labels(4)
            .y_labels(5)
            .x_label_formatter(&label)
            .draw()
            .ok()?;
        let points: Vec<(i64, i64)> = series
            .iter()
            .map(|(d, p)| ((*d - first).num_days(), *p))
            .collect();
        chart
            .draw_series(LineSeries::new(points.iter().copied(), ACCENT.stroke_width(3)))
            .ok()?;
        chart
            .draw_series(points.iter().map(|p| Circle::new(*p, 4, ACCENT.filled())))
            .ok()?;
        root.present().ok()?;
    }
    // A picture with a name for screen readers; the caption under it says the figures.
    Some(svg.replacen("<svg ", "<svg role=\"img\" aria-label=\"Points over time\" ", 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_series_draws_an_svg_with_its_axis_labels_and_nothing_draws_none() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 6, d).unwrap();
        let svg = points_svg(&[(day(1), 3), (day(4), 8), (day(9), 15)]).unwrap();
        assert!(svg.starts_with("<svg role=\"img\""), "{svg}");
        assert!(
            svg.contains("<polyline") || svg.contains("<path"),
            "no line: {svg}"
        );
        assert!(
            svg.contains("<text") && svg.contains("1 Jun"),
            "no date label: {svg}"
        );
        assert_eq!(svg.matches("<circle").count(), 3, "{svg}");
        assert!(points_svg(&[]).is_none());
        // One day alone still draws.
        assert!(points_svg(&[(day(2), 2)]).is_some());
    }
}

//! The season recap's participation chart: one bar per revealed round, its height the members
//! who answered, drawn with plotters into a bitmap and encoded as PNG. No text is drawn (that
//! would need fonts on the host); the embed carries the numbers.

use plotters::prelude::*;

/// Width and height of the chart, in pixels.
pub const SIZE: (u32, u32) = (600, 200);

/// A PNG of `per_round` as bars (an empty season draws an empty frame).
pub fn participation_png(per_round: &[u64]) -> anyhow::Result<Vec<u8>> {
    let (w, h) = SIZE;
    let mut pixels = vec![0u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, SIZE).into_drawing_area();
        root.fill(&RGBColor(0x2B, 0x2D, 0x31))?;
        let max = per_round.iter().copied().max().unwrap_or(0).max(1);
        let area = root.margin(10, 10, 10, 10);
        let (aw, ah) = area.dim_in_pixel();
        let n = per_round.len().max(1) as u32;
        let slot = (aw / n).max(1);
        let bar = (slot * 4 / 5).max(1);
        for (i, count) in per_round.iter().enumerate() {
            let height = (u64::from(ah) * count / max) as i32;
            let x = (i as u32 * slot) as i32;
            area.draw(&Rectangle::new(
                [(x, ah as i32 - height), (x + bar as i32, ah as i32)],
                RGBColor(0x58, 0x65, 0xF2).filled(),
            ))?;
        }
        area.draw(&Rectangle::new(
            [(0, ah as i32 - 1), (aw as i32, ah as i32)],
            WHITE.filled(),
        ))?;
        root.present()?;
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.write_header()?.write_image_data(&pixels)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chart_is_a_png_of_the_right_size_with_a_bar_per_round() {
        let png_bytes = participation_png(&[3, 0, 5]).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(&png_bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), SIZE);
        // The tallest bar (round 3) reaches the top margin; the empty round draws nothing.
        let pixel = |x: u32, y: u32| {
            let i = ((y * info.width + x) * 3) as usize;
            (buf[i], buf[i + 1], buf[i + 2])
        };
        let blue = (0x58, 0x65, 0xF2);
        let slot = (SIZE.0 - 20) / 3;
        assert_eq!(pixel(10 + 2 * slot + 2, 12), blue, "round 3 is the tallest");
        assert_ne!(pixel(10 + slot + 2, SIZE.1 - 15), blue, "round 2 had nobody");
        assert_eq!(pixel(10 + 2, SIZE.1 - 15), blue, "round 1");
        assert!(participation_png(&[]).is_ok());
    }
}

//! Thinning long metric histories for charts: a series of `n` points becomes at most `max`
//! points that draw the same line (M4: the first, last, lowest and highest point of each of
//! `max / 4` buckets of consecutive points), so spikes and the ends survive. Streams: memory is
//! O(max), whatever the history's length.

/// One point of a chart series: step, value (non-finite values are kept; the JSON layer turns
/// them into gaps) and when it was logged (nanoseconds since the epoch).
pub type Point = (i64, f64, i64);

pub struct Downsampler {
    bucket_len: u64,
    seen_in_bucket: u64,
    bucket: Vec<Point>,
    out: Vec<Point>,
}

impl Downsampler {
    /// For a history of `total` points to be shown in at most `max` points (`max` ≥ 4).
    pub fn new(total: u64, max: usize) -> Downsampler {
        let max = max.max(4);
        let buckets = (max / 4) as u64;
        let bucket_len = if total <= max as u64 {
            1 // keep everything
        } else {
            total.div_ceil(buckets)
        };
        Downsampler {
            bucket_len,
            seen_in_bucket: 0,
            bucket: Vec::new(),
            out: Vec::with_capacity(total.min(max as u64) as usize),
        }
    }

    /// Adds the next point (points arrive in step order).
    pub fn push(&mut self, point: Point) {
        if self.bucket_len == 1 {
            self.out.push(point);
            return;
        }
        self.bucket.push(point);
        self.seen_in_bucket += 1;
        if self.seen_in_bucket == self.bucket_len {
            self.close_bucket();
        }
    }

    pub fn finish(mut self) -> Vec<Point> {
        self.close_bucket();
        self.out
    }

    /// Keeps the bucket's first, last, min and max points, in step order. The bucket is held
    /// whole only to pick them; it has `bucket_len` points, at most `total / (max / 4)`.
    fn close_bucket(&mut self) {
        let bucket = std::mem::take(&mut self.bucket);
        self.seen_in_bucket = 0;
        if bucket.is_empty() {
            return;
        }
        let finite = || bucket.iter().enumerate().filter(|(_, p)| p.1.is_finite());
        let lowest = finite()
            .min_by(|a, b| a.1.1.total_cmp(&b.1.1))
            .map(|(i, _)| i);
        let highest = finite()
            .max_by(|a, b| a.1.1.total_cmp(&b.1.1))
            .map(|(i, _)| i);
        let mut keep = vec![0, bucket.len() - 1];
        keep.extend(lowest);
        keep.extend(highest);
        // a bucket whose points are all NaN still shows as a gap: first and last are kept
        keep.sort_unstable();
        keep.dedup();
        self.out.extend(keep.into_iter().map(|i| bucket[i]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn thin(values: &[f64], max: usize) -> Vec<Point> {
        let mut d = Downsampler::new(values.len() as u64, max);
        for (i, v) in values.iter().enumerate() {
            d.push((i as i64, *v, i as i64));
        }
        d.finish()
    }

    #[test]
    fn short_series_are_kept_whole() {
        let values: Vec<f64> = (0..2000).map(|i| i as f64).collect();
        let out = thin(&values, 2000);
        assert_eq!(out.len(), 2000);
        assert_eq!(out[1999], (1999, 1999.0, 1999));
    }

    #[test]
    fn long_series_keep_ends_and_spikes_within_the_limit() {
        let mut values: Vec<f64> = (0..100_000).map(|i| (i as f64 / 1000.0).sin()).collect();
        values[54_321] = 50.0;
        values[77_777] = -50.0;
        let out = thin(&values, 2000);
        assert!(out.len() <= 2000, "{} points", out.len());
        assert!(out.len() > 1000, "{} points", out.len());
        assert_eq!(out.first(), Some(&(0, values[0], 0)));
        assert_eq!(out.last(), Some(&(99_999, values[99_999], 99_999)));
        assert!(out.contains(&(54_321, 50.0, 54_321)));
        assert!(out.contains(&(77_777, -50.0, 77_777)));
        assert!(
            out.windows(2).all(|w| w[0].0 < w[1].0),
            "steps stay in order"
        );
    }

    #[test]
    fn nan_points_do_not_hide_the_real_extremes() {
        let mut values = vec![f64::NAN; 10_000];
        values[5_000] = 3.0;
        let out = thin(&values, 100);
        assert!(out.contains(&(5_000, 3.0, 5_000)));
        assert!(out.len() <= 100);
    }
}

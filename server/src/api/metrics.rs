//! Request counters and timings in Prometheus' text format, kept without a metrics framework:
//! a handful of series do not need one.

use std::{collections::BTreeMap, fmt::Write, sync::Mutex, time::Duration};

#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), Series>>,
}

#[derive(Debug, Default, Clone, Copy)]
struct Series {
    count: u64,
    seconds_sum: f64,
}

impl Metrics {
    pub fn record(&self, route: &str, method: &str, status: u16, elapsed: Duration) {
        if let Ok(mut requests) = self.requests.lock() {
            let series = requests.entry((route.to_owned(), method.to_owned(), status)).or_default();
            series.count += 1;
            series.seconds_sum += elapsed.as_secs_f64();
        }
    }

    pub fn render(&self, database_up: bool) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# HELP pietura_build_info Build of the running server.");
        let _ = writeln!(out, "# TYPE pietura_build_info gauge");
        let _ = writeln!(out, "pietura_build_info{{version=\"{}\"}} 1", env!("CARGO_PKG_VERSION"));
        let _ = writeln!(out, "# HELP pietura_database_up Whether the last database check succeeded.");
        let _ = writeln!(out, "# TYPE pietura_database_up gauge");
        let _ = writeln!(out, "pietura_database_up {}", u8::from(database_up));
        let requests = self.requests.lock().map(|r| r.clone()).unwrap_or_default();
        let _ = writeln!(out, "# HELP pietura_http_requests_total HTTP requests by route, method and status.");
        let _ = writeln!(out, "# TYPE pietura_http_requests_total counter");
        for ((route, method, status), series) in &requests {
            let _ = writeln!(
                out,
                "pietura_http_requests_total{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}} {}",
                series.count
            );
        }
        let _ = writeln!(out, "# HELP pietura_http_request_seconds_sum Time spent answering, by route.");
        let _ = writeln!(out, "# TYPE pietura_http_request_seconds_sum counter");
        let mut by_route: BTreeMap<&str, f64> = BTreeMap::new();
        for ((route, _, _), series) in &requests {
            *by_route.entry(route).or_default() += series.seconds_sum;
        }
        for (route, seconds) in by_route {
            let _ = writeln!(out, "pietura_http_request_seconds_sum{{route=\"{route}\"}} {seconds:.6}");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_per_route_and_status() {
        let metrics = Metrics::default();
        metrics.record("/healthz", "GET", 200, Duration::from_millis(2));
        metrics.record("/healthz", "GET", 200, Duration::from_millis(3));
        metrics.record("/v1/sync/hello", "GET", 401, Duration::from_millis(1));
        let text = metrics.render(true);
        assert!(
            text.contains("pietura_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 2"),
            "{text}"
        );
        assert!(text.contains("status=\"401\"} 1"));
        assert!(text.contains("pietura_database_up 1"));
        assert!(text.contains("pietura_http_request_seconds_sum{route=\"/healthz\"} 0.005"));
    }
}

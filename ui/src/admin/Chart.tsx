import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export interface Series {
  label: string;
  values: (number | null)[];
  colour: string;
  /** Bars instead of a line. */
  bars?: boolean;
  dash?: number[];
}

/**
 * A chart of values per day (uPlot, drawn on a canvas): a picture for sighted people, hidden from
 * screen readers, who get the same numbers as a table beside it (`ChartTable`).
 */
export function DayChart({
  days,
  series,
  yLabel,
  dayName,
  testId,
}: {
  days: string[];
  series: Series[];
  yLabel: string;
  /** A day as the reader's language writes it ("5. dec.", "5 Dec"). */
  dayName: (day: string) => string;
  testId: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const xs = days.map((day) => Date.parse(`${day}T12:00:00Z`) / 1000);
    const width = Math.max(320, element.clientWidth || 640);
    const options: uPlot.Options = {
      width,
      height: 220,
      // The legend names the lines; the numbers are in the table beside the chart.
      legend: { show: true, live: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
      axes: [
        { values: (_u, splits) => splits.map((s) => dayName(new Date(s * 1000).toISOString().slice(0, 10))) },
        { label: yLabel, labelSize: 20 },
      ],
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.colour,
          fill: s.bars ? `${s.colour}99` : undefined,
          width: 2,
          dash: s.dash,
          paths: s.bars ? uPlot.paths.bars?.({ size: [0.7, 40] }) : undefined,
          points: { show: !s.bars },
          spanGaps: false,
        })),
      ],
    };
    const chart = new uPlot(options, [xs, ...series.map((s) => s.values)] as uPlot.AlignedData, element);
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(320, element.clientWidth), height: 220 }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [days, series, yLabel, dayName]);
  return <div className="day-chart" ref={box} aria-hidden="true" data-testid={testId} />;
}

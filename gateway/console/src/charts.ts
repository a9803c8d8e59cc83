import * as echarts from 'echarts/core';
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

// Only what the dashboards draw: bars, lines, their axes, legend and tooltip, on a canvas.
echarts.use([
  BarChart,
  LineChart,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  CanvasRenderer,
]);

export interface Series {
  name: string;
  data: (number | null)[];
  kind?: 'bar' | 'line';
  /** Drawn against the right-hand axis, in percent. */
  percent?: boolean;
  stack?: string;
}

/**
 * A bar (and line) chart over `categories` in `element`; the element says `data-chart="drawn"`
 * once ECharts has finished rendering, so a reader (or a test) knows it is on screen.
 */
export function drawChart(element: HTMLElement, categories: string[], series: Series[]): void {
  const chart = echarts.init(element, undefined, { renderer: 'canvas' });
  const percent = series.some((s) => s.percent);
  chart.on('finished', () => element.setAttribute('data-chart', 'drawn'));
  chart.setOption({
    animation: false,
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 60, right: percent ? 60 : 20, top: 40, bottom: 60 },
    xAxis: {
      type: 'category',
      data: categories,
      axisLabel: { rotate: categories.length > 6 ? 30 : 0 },
    },
    yAxis: [
      { type: 'value' },
      ...(percent ? [{ type: 'value', axisLabel: { formatter: '{value}%' } }] : []),
    ],
    series: series.map((s) => ({
      name: s.name,
      type: s.kind ?? 'bar',
      stack: s.stack,
      yAxisIndex: s.percent ? 1 : 0,
      data: s.data,
    })),
  });
  new ResizeObserver(() => chart.resize()).observe(element);
}

import * as echarts from 'echarts/core';
import { LineChart, SankeyChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkAreaComponent, MarkLineComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

// Only what the views draw: bundling all of echarts would be about 1 MB instead of a third of it.
echarts.use([LineChart, SankeyChart, GridComponent, LegendComponent, MarkAreaComponent, MarkLineComponent, TooltipComponent, CanvasRenderer]);

export type ChartOption = echarts.EChartsCoreOption;

const charts = new WeakMap<HTMLElement, echarts.ECharts>();
const resizer = new ResizeObserver((entries) => {
  for (const e of entries) charts.get(e.target as HTMLElement)?.resize();
});

/** Draws `option` into `el`, reusing the chart already there so updates do not flicker. */
export function draw(el: HTMLElement, option: ChartOption): void {
  let c = charts.get(el);
  if (!c) {
    c = echarts.init(el, undefined, { renderer: 'canvas' });
    charts.set(el, c);
    resizer.observe(el);
  }
  c.setOption(option, { notMerge: true, lazyUpdate: true });
}

export const PALETTE = ['#2f6fb0', '#d9822b', '#3a9d5d', '#b54747', '#7b5ea7', '#8c8c8c'];

import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { API } from '../../core/api.ts';
import { annualTable, vintageLine } from '../indicators/annual-table.ts';
import { toCsv } from '../indicators/csv.ts';
import { readMonthlyTable, readSiteReport } from '../reports/read.ts';
import type { ReportingContext } from './reporting-context.ts';
import { route } from './route.ts';
import { expectedMeters, requireRegistry } from './sites.ts';

function sendCsv(reply: FastifyReply, name: string, body: string): string {
  reply.type('text/csv; charset=utf-8').header('Content-Disposition', `attachment; filename="${name}"`);
  return body;
}

export const reportsRoutes = (ctx: ReportingContext): FastifyPluginAsync => async (app) => {
  route(app, API.annualReport, async ({ params: { site }, query: q }, _req, reply) => {
    const parentOf = (id: string) => ctx.directory.meter(site, id)?.parent;
    const report = await readSiteReport((x, p) => ctx.totals.totals(x, p), requireRegistry(ctx), site, { year: q.year }, { parentOf, meters: expectedMeters(ctx, site), now: ctx.now() });
    const rows = annualTable(report);
    if (q.format === 'json') return { site, year: q.year, quantityRule: report.quantityRule, vintages: report.vintages, rows };
    const plan = report.total.plans[0];
    return sendCsv(reply, `${site}-${q.year}-annual.csv`, toCsv([
      `能源资源消费统计表 / Annual energy and resource statistics: site ${site}, year ${q.year}`,
      plan ? `规划/plan: ${plan.name} (${plan.plan}), 基准年/base year ${plan.baseYear}, 目标年/target year ${plan.targetYear}` : '规划/plan: none in force',
      ...report.vintages.map((v) => `折标系数与排放因子/factor vintage: ${vintageLine(v)}`),
      '下降率、目标、完成率为比例 (0.05 = 5%) / decline, target and achieved are fractions',
      `数据完整度低于 ${report.completenessThreshold} 的指标为空 / figures whose completeness is below ${report.completenessThreshold} are empty, with the reason`,
    ], [
      '范围/scope', '建筑/building', '指标/key', '名称/name_zh', 'name_en', '单位/unit', '本期/value',
      '基准年/base_year', '基准值/base_value', '下降率/decline', '目标/target', '完成率/achieved', '数据完整度/completeness', '空值原因/null_reason',
    ], rows.map((r) => [r.scope, r.building, r.key, r.zh, r.en, r.unit, r.value, r.base_year, r.base_value, r.decline, r.target, r.achieved, r.completeness, r.reason])));
  });

  route(app, API.monthlyReport, async ({ params: { site }, query: q }, _req, reply) => {
    const parentOf = (id: string) => ctx.directory.meter(site, id)?.parent;
    const table = await readMonthlyTable((x, p) => ctx.totals.totals(x, p), requireRegistry(ctx), site, q.year, { parentOf, meters: expectedMeters(ctx, site), now: ctx.now() });
    if (q.format === 'json') return table;
    return sendCsv(reply, `${site}-${q.year}-monthly.csv`, toCsv([
      `月度能耗统计 / Monthly energy by building and kind: site ${site}, year ${q.year}`,
      ...table.vintages.map((v) => `折标系数与排放因子/factor vintage: ${vintageLine(v)}`),
      `数据完整度 = 实测覆盖的时间占比；低于 ${table.completenessThreshold} 的月份不完整 / completeness = share of the month covered by measured usage; below ${table.completenessThreshold} a month is incomplete`,
    ], ['月份/month', '建筑/building', '能源种类/kind', '用量/quantity', '单位/unit', '综合能耗/energy (kgce)', '碳排放/CO2 (kgCO2)', '数据完整度/completeness', '完整/complete'],
    table.rows.map((r) => [r.month, r.building, r.kind, r.quantity, r.unit, r.energy_kgce, r.co2_kg, r.completeness, r.complete ? 1 : 0])));
  });
};

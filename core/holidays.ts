// The calendar buildings run on: simulators shape their loads by it and the ingestor's alert rules
// tell working days from weekends and holidays by it, so both agree on what a working day is.
// Chinese public holidays (法定节假日 with the days the State Council joins to them), as
// [first, last] local dates, inclusive. 2020–2025 follow the published arrangements; 2026–2027
// are placed on the lunar dates and may differ by the odd day from the notices when they come out.
// The weekend days worked in exchange (调休) are left out: a building then runs a weekend shape.
const RANGES: ReadonlyArray<readonly [string, string]> = [
  ['2020-01-01', '2020-01-01'], ['2020-01-24', '2020-02-02'], ['2020-04-04', '2020-04-06'], ['2020-05-01', '2020-05-05'],
  ['2020-06-25', '2020-06-27'], ['2020-10-01', '2020-10-08'],
  ['2021-01-01', '2021-01-03'], ['2021-02-11', '2021-02-17'], ['2021-04-03', '2021-04-05'], ['2021-05-01', '2021-05-05'],
  ['2021-06-12', '2021-06-14'], ['2021-09-19', '2021-09-21'], ['2021-10-01', '2021-10-07'],
  ['2022-01-01', '2022-01-03'], ['2022-01-31', '2022-02-06'], ['2022-04-03', '2022-04-05'], ['2022-04-30', '2022-05-04'],
  ['2022-06-03', '2022-06-05'], ['2022-09-10', '2022-09-12'], ['2022-10-01', '2022-10-07'],
  ['2022-12-31', '2023-01-02'], ['2023-01-21', '2023-01-27'], ['2023-04-05', '2023-04-05'], ['2023-04-29', '2023-05-03'],
  ['2023-06-22', '2023-06-24'], ['2023-09-29', '2023-10-06'],
  ['2024-01-01', '2024-01-01'], ['2024-02-10', '2024-02-17'], ['2024-04-04', '2024-04-06'], ['2024-05-01', '2024-05-05'],
  ['2024-06-10', '2024-06-10'], ['2024-09-15', '2024-09-17'], ['2024-10-01', '2024-10-07'],
  ['2025-01-01', '2025-01-01'], ['2025-01-28', '2025-02-04'], ['2025-04-04', '2025-04-06'], ['2025-05-01', '2025-05-05'],
  ['2025-05-31', '2025-06-02'], ['2025-10-01', '2025-10-08'],
  ['2026-01-01', '2026-01-03'], ['2026-02-15', '2026-02-23'], ['2026-04-04', '2026-04-06'], ['2026-05-01', '2026-05-05'],
  ['2026-06-19', '2026-06-21'], ['2026-09-25', '2026-09-27'], ['2026-10-01', '2026-10-07'],
  ['2027-01-01', '2027-01-03'], ['2027-02-05', '2027-02-11'], ['2027-04-03', '2027-04-05'], ['2027-05-01', '2027-05-05'],
  ['2027-06-09', '2027-06-11'], ['2027-09-15', '2027-09-17'], ['2027-10-01', '2027-10-07'],
];

const DAY = 86_400_000;
const dayNumber = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / DAY;

const HOLIDAYS: ReadonlySet<number> = (() => {
  const s = new Set<number>();
  for (const [a, b] of RANGES) for (let d = dayNumber(a); d <= dayNumber(b); d++) s.add(d);
  return s;
})();

/** Whether a local day (days since 1970-01-01 in site time) is a public holiday. */
export function isHoliday(localDay: number): boolean {
  return HOLIDAYS.has(localDay);
}

/** A local day that is neither a weekend day nor a public holiday. */
export function isWorkingDay(localDay: number): boolean {
  const wd = new Date(localDay * DAY).getUTCDay();
  return wd !== 0 && wd !== 6 && !isHoliday(localDay);
}

export { publicHolidays, PublicHolidaysOptionsSchema } from './public-holidays.js';
export type {
  PublicHolidaysOptions,
  PublicHolidaysHooks,
  PublicHolidaysInput,
  PublicHolidaysAdded,
} from './public-holidays.js';
export { holidaysOf, easterSunday, COUNTRIES } from './holiday-rules.js';
export type { Country } from './holiday-rules.js';

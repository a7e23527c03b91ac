import { libraryConfig } from '../../tsup.library.js';

// One entry per enricher as well as the barrel, so `@ha-ingestor/enrichers/registry` etc. load only what they use.
export default libraryConfig({
  entry: {
    index: 'src/index.ts',
    registry: 'src/registry.ts',
    'time-context': 'src/time-context.ts',
    units: 'src/units.ts',
    'ha-weather': 'src/ha-weather.ts',
    'ha-calendar': 'src/ha-calendar.ts',
    'polled-context': 'src/polled-context.ts',
    'presets/openweathermap': 'src/presets/openweathermap.ts',
    'presets/openweathermap-air': 'src/presets/openweathermap-air.ts',
    'presets/carbon-intensity-uk': 'src/presets/carbon-intensity-uk.ts',
    'presets/octopus-agile': 'src/presets/octopus-agile.ts',
  },
});

// node-schedule's cron parser builds a luxon DateTime for every fire date, and luxon, with no default locale, asks Intl
// for the system's: that loads ICU's locale data, about 6 MB of the worker's idle RSS (bench/results). Cron arithmetic
// never depends on a locale, so one is set. CommonJS on purpose: `require` reaches the same luxon module as the cron
// parser's own require(), in the esbuild bundle as under Node (an ESM import would get luxon's separate ESM build).
require('luxon').Settings.defaultLocale = 'en-US';

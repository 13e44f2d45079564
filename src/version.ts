declare function require(id: string): { version: string };

/** The version of this front end; the service must report the same one. */
export const VERSION: string = require('../package.json').version;

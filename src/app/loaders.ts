import type { AccessLoaders } from '../modules/access/access.loaders.js';
import type { CatalogueLoaders } from '../modules/catalogue/dataset.loaders.js';

/** Every per-request loader; built fresh for each request (see Services.createLoaders). */
export type Loaders = CatalogueLoaders & AccessLoaders;

{{header}}
import type { MigrationFn } from 'umzug';
{{imports}}

export const up: MigrationFn<QueryInterface> = async ({ context: queryInterface }) => {
{{up}}
};

export const down: MigrationFn<QueryInterface> = async ({ context: queryInterface }) => {
{{down}}
};

import { Type, Static } from '@sinclair/typebox';

/** Every error the API returns. */
export const ErrorBody = Type.Object(
  {
    message: Type.String({ description: 'What went wrong, for a person.' }),
    code: Type.String({ description: 'A stable identifier of the kind of error.' }),
    field: Type.Optional(Type.String({ description: 'The request field at fault, where one is (for forms).' }))
  },
  { $id: 'ErrorBody' }
);
export type IErrorBody = Static<typeof ErrorBody>;

/**
 * A yes/no query parameter, as the API reference writes it (`download=1`): `1` or `true` for
 * yes, `0` or `false` for no. Read it with `isSet`.
 */
export function QueryFlag(options: { default?: boolean; description?: string } = {}) {
  return Type.Union([Type.Boolean(), Type.Literal('1'), Type.Literal('0')], options);
}
export type IQueryFlag = boolean | '1' | '0';

/** Whether a QueryFlag says yes. */
export function isSet(value: IQueryFlag | undefined): boolean {
  return value === true || value === '1';
}

/** What every route may answer besides its success: an ErrorBody, for 4xx and 5xx alike. */
export const ErrorResponses = { '4xx': ErrorBody, '5xx': ErrorBody };

/** The path parameter of a route about one transfer, upload or job. */
export const IdParams = Type.Object({ id: Type.String({ description: 'The id the service gave it.' }) });

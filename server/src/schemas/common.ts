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

import { applyDecorators } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ErrorResponseSchema } from './error-response';
import { schemaRef } from './openapi-schemas';

export const errorRef = () => schemaRef('Error', ErrorResponseSchema, 'output');

/** The 401 every admin route can answer. */
export const ApiAdminErrors = () => applyDecorators(ApiUnauthorizedResponse({ description: 'Missing or wrong admin token.', schema: errorRef() }));

export const ApiBadInput = () =>
  applyDecorators(ApiBadRequestResponse({ description: 'Invalid input; the message names the field and why.', schema: errorRef() }));

export const ApiUnknownId = (what: string) => applyDecorators(ApiNotFoundResponse({ description: `No ${what} has this id.`, schema: errorRef() }));

import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { registerDecorator, type ValidationOptions } from 'class-validator';
import { ErrorCodes } from '@gilt/contracts';
import { apiError } from './api-error.js';

function flatten(errors: ValidationError[], prefix = ''): { field: string; problems: string[] }[] {
  return errors.flatMap((e) => {
    const field = prefix ? (/^\d+$/.test(e.property) ? `${prefix}[${e.property}]` : `${prefix}.${e.property}`) : e.property;
    const own = e.constraints ? [{ field, problems: Object.values(e.constraints) }] : [];
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** DTO validation; failures name the field: `labels.team: must be a string`. */
export const validationPipe = new ValidationPipe({
  transform: true,
  whitelist: true,
  forbidNonWhitelisted: true,
  exceptionFactory: (errors) => {
    const flat = flatten(errors);
    const first = flat[0];
    const message = flat.map((f) => `${f.field}: ${f.problems.join('; ')}`).join('; ');
    return apiError(ErrorCodes.validation, message || 'invalid request body', { field: first?.field ?? 'body', fields: flat.map((f) => f.field) });
  },
});

/** A `map<string,string>` with bounded keys and values: labels. */
export function IsStringMap(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isStringMap',
      target: target.constructor,
      propertyName,
      options: { message: `${propertyName} must be an object of up to 64 string values (keys 1–128 chars, values up to 4096)`, ...options },
      validator: {
        validate(value: unknown) {
          if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
          const entries = Object.entries(value);
          return entries.length <= 64 && entries.every(([k, v]) => k.length >= 1 && k.length <= 128 && typeof v === 'string' && v.length <= 4096);
        },
      },
    });
}

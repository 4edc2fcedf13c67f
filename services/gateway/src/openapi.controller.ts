import { Controller, Get } from '@nestjs/common';
import { Public } from './auth/auth.guard.js';
import { openApiDocument } from './openapi.js';

@Controller('v1')
export class OpenApiController {
  @Get('openapi.json')
  @Public()
  document() {
    return openApiDocument;
  }
}

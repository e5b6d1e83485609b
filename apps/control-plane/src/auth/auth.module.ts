import { Module } from '@nestjs/common';
import { AdminTokenGuard } from './admin-token.guard';

/** Admin API access, for every feature module with admin routes. */
@Module({
  providers: [AdminTokenGuard],
  exports: [AdminTokenGuard],
})
export class AuthModule {}

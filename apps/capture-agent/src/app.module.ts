import { Module } from '@nestjs/common';
import { AndroidModule } from './android/android.module';

@Module({ imports: [AndroidModule] })
export class AppModule {}

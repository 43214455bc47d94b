using System;

return LstmGen.Tool.ToolMain.Run(args, Console.Out, Console.Error);
